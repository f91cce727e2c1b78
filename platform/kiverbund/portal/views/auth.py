from django.contrib.auth import views as auth_views

from tenants.middleware import town_public


class LoginView(auth_views.LoginView):
    template_name = "portal/login.html"
    redirect_authenticated_user = True


LoginView.town_public = True
login = town_public(LoginView.as_view())
logout = town_public(auth_views.LogoutView.as_view())
