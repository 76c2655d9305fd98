"""The dashboard's sign-in: any active user who holds a built-in role (the admin's takes staff only)."""

from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from common.access import role_names


class RoleLoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Your username and password did not match. Please try again.",
        "no_role": "This account holds no role in the compliance platform; ask an administrator for one.",
    }

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not user.is_superuser and not role_names(user):
            raise ValidationError(self.error_messages["no_role"], code="no_role")
