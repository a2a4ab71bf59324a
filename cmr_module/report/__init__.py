from . import cmr_complaint_report
from . import cmr_suggestion_report
