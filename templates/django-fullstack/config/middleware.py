"""Project-wide middleware."""

from django.conf import settings


class ContentSecurityPolicyMiddleware:
    """Add the Content-Security-Policy header from settings.CONTENT_SECURITY_POLICY.

    With DEBUG on, the policy is only reported (in the browser console), never enforced.
    A view can set its own header; this middleware then leaves it alone.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = "; ".join(
            f"{directive} {sources}"
            for directive, sources in settings.CONTENT_SECURITY_POLICY.items()
        )
        if settings.DEBUG:
            self.header = "Content-Security-Policy-Report-Only"
        else:
            self.header = "Content-Security-Policy"

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response.headers:
            response.headers.setdefault(self.header, self.policy)
        return response
