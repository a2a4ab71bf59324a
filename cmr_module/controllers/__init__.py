from . import charter_portal
from . import tier_portal
from . import alliance_portal
from . import complaint_form
from . import complaint_portal
from . import keyaccount_portal
