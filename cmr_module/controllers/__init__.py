from . import portal
from . import alliance_portal
