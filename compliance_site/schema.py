"""OpenAPI descriptions the schema generator cannot infer (loaded by SiteConfig.ready)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "compliance_site.tokens.ApiTokenAuthentication"
    name = "tokenAuth"  # the scheme's name in the schema since DRF's tokens

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": 'A personal API token (/api/v1/auth/tokens/), sent as "Token <token>".',
        }
