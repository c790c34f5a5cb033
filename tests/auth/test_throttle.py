"""Sign-in attempts are throttled per client address."""

from __future__ import annotations

from emarac import create_app
from emarac.schema import dispose


def test_sign_in_is_throttled_per_address(settings, clock):
    settings.login_rate_limit = "3 per minute"
    app = create_app(settings, WTF_CSRF_ENABLED=False)
    with app.app_context():
        client = app.test_client()
        data = {"email": "someone@example.test", "password": "whatever at all"}
        codes = [
            client.post("/sign-in", data=data, environ_base={"REMOTE_ADDR": "10.0.0.7"}).status_code
            for _ in range(4)
        ]
        assert codes == [200, 200, 200, 429]
        other = client.post("/sign-in", data=data, environ_base={"REMOTE_ADDR": "10.0.0.8"})
        assert other.status_code == 200
        assert "Too many" in client.post(
            "/sign-in", data=data, environ_base={"REMOTE_ADDR": "10.0.0.7"}
        ).get_data(as_text=True)
        dispose()
