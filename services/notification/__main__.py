from services.notification.settings import NotificationSettings
from shared.web.runner import serve

serve("services.notification.main:create_notification_app", NotificationSettings())
