from . import cmr_complaint_report
from . import cmr_suggestion_report
from . import cmr_mining_churn_report
from . import cmr_mining_pareto_report
from . import cmr_keyaccount_action_report
