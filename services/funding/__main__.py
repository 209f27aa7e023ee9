from services.funding.settings import FundingSettings
from shared.web.runner import serve

serve("services.funding.main:create_funding_app", FundingSettings())
