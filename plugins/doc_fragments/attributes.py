# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vpsorg.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """Attributes shared by the modules of vpsorg.cloud."""

    DOCUMENTATION = r"""
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying the target.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
  platform:
    description: Target OS/families that can be operated against.
    platforms: all
    support: N/A
  action_group:
    description: Use C(group/vpsorg.cloud.vps) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - vpsorg.cloud.vps
"""

    INFO_MODULE = r"""
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying the target.
    support: full
    details: This module only reads, so it runs the same in check mode.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: N/A
    details: This module only reads.
  platform:
    description: Target OS/families that can be operated against.
    platforms: all
    support: N/A
  action_group:
    description: Use C(group/vpsorg.cloud.vps) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - vpsorg.cloud.vps
"""
