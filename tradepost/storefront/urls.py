from django.urls import path

from tradepost.storefront.views import account, catalog, pages

app_name = "storefront"

urlpatterns = [
    path("", pages.home, name="home"),
    path("agreement/", account.agreement_view, name="agreement"),
    path("catalog/", catalog.catalog_index, name="catalog"),
    path("catalog/<slug:slug>/", catalog.category, name="category"),
    path("products/<str:sku>/", catalog.product, name="product"),
    path("search/", catalog.search_page, name="search"),
    path("search/suggest/", catalog.search_suggest, name="search_suggest"),
    path("policies/shipping/", pages.policy_shipping, name="policy_shipping"),
    path("policies/payment/", pages.policy_payment, name="policy_payment"),
    path("policies/returns/", pages.policy_returns, name="policy_returns"),
    path("policies/warranty/", pages.policy_warranty, name="policy_warranty"),
    path("policies/guarantee/", pages.policy_guarantee, name="policy_guarantee"),
    path("account/register/", account.register, name="register"),
    path("account/login/", account.login_view, name="login"),
    path("account/logout/", account.logout_view, name="logout"),
    path("account/agreement/", account.agreement_accept, name="agreement_accept"),
    path("account/", account.account, name="account"),
    path("account/profile/", account.profile, name="profile"),
    path("account/password/", account.password_change, name="password_change"),
    path("account/password/reset/", account.password_reset, name="password_reset"),
    path("account/password/reset/sent/", account.password_reset_sent, name="password_reset_sent"),
    path(
        "account/password/reset/<uidb64>/<token>/",
        account.PasswordResetConfirm.as_view(),
        name="password_reset_confirm",
    ),
    path("account/addresses/", account.addresses, name="addresses"),
    path("account/addresses/new/", account.address_edit, name="address_add"),
    path("account/addresses/<int:address_id>/", account.address_edit, name="address_edit"),
    path("account/addresses/<int:address_id>/delete/", account.address_delete, name="address_delete"),
    path("account/tokens/", account.tokens, name="tokens"),
    path("account/tokens/<int:token_id>/revoke/", account.token_revoke, name="token_revoke"),
]
