from django.urls import path

from terakoya.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("login/code/", views.code_request, name="code_request"),
    path("login/code/enter/", views.code_enter, name="code_enter"),
    path("login/link/", views.link_confirm, name="link_confirm"),
    path("login/link/<str:token>/", views.link_token, name="link_token"),
    path("password/forgot/", views.forgot, name="forgot"),
    path("password/forgot/sent/", views.forgot_sent, name="forgot_sent"),
    path("password/reset/", views.reset, name="reset"),
    path("password/reset/<str:token>/", views.reset_token, name="reset_token"),
]
