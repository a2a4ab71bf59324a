from . import portal
from . import alliance_portal
from . import complaint_portal
