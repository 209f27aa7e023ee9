from services.registry.settings import RegistrySettings
from shared.web.runner import serve

serve("services.registry.main:create_registry_app", RegistrySettings())
