"""Extensions, created unbound; :func:`emarac.create_app` binds them."""

from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from emarac.models_base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
# Keyed on request.remote_addr: behind EMARAC_TRUSTED_PROXIES proxies, ProxyFix
# has made that the client's address, so clients behind one proxy are limited apart.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
