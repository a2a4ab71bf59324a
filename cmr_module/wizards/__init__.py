from . import cmr_tier_change_wizard
from . import cmr_settlement_wizard
from . import cmr_points_adjust_wizard
from . import cmr_care_goodwill_wizard
from . import cmr_timeline_wizard
from . import cmr_mining_churn_reason_wizard
from . import cmr_keyaccount_action_item_wizard
