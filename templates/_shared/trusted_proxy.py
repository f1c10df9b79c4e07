class TrustedProxyFix:
    """Read X-Forwarded-For and -Proto only from a request a trusted proxy sent.

    One hop is trusted (the last address the proxy appended), and only when the
    connection itself comes from one of the proxy networks: anyone who reaches the
    app directly writes whatever forwarded headers they like, and they are ignored.
    """

    def __init__(self, app: Any, networks: Iterable[str]) -> None:
        self.app = app
        self.fixed = ProxyFix(app, x_for=1, x_proto=1)
        self.networks: list[Network] = [
            ipaddress.ip_network(net, strict=False) for net in networks
        ]

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if self.is_trusted(environ.get("REMOTE_ADDR", "")):
            return self.fixed(environ, start_response)
        return self.app(environ, start_response)

    def is_trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.networks)
