from kiverbund.sso.views import login, logout

__all__ = ["login", "logout"]
