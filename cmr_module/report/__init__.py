from . import cmr_complaint_report
