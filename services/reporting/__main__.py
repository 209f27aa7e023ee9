from services.reporting.settings import ReportingSettings
from shared.web.runner import serve

serve("services.reporting.main:create_reporting_app", ReportingSettings())
