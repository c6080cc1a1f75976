from django.urls import path

from terakoya.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("account/", views.account, name="account"),
    path("account/password/", views.password, name="password"),
    path("account/phone/", views.phone, name="phone"),
    path("account/phone/verify/", views.phone_verify, name="phone_verify"),
    path("account/logout-everywhere/", views.logout_everywhere, name="logout_everywhere"),
]
