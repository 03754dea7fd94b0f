from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions


class HashedTokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <key>`; keys are stored as SHA-256 and can be revoked."""

    keyword = "Token"

    def authenticate_credentials(self, key):
        from assura.identity.services import token_authenticate

        found = token_authenticate(key)
        if found is None:
            raise exceptions.AuthenticationFailed(_("Jeton invalide, révoqué ou utilisateur désactivé."))
        return found
