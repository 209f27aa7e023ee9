from services.notification.settings import NotificationSettings
from shared.runner import serve

serve("services.notification.main:create_notification_app", NotificationSettings())
