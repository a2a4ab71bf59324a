from . import cmr_tier_change_wizard
