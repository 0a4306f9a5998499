"""Run the dashboard: `python app.py` (development, builds the demo on first run).

It listens on HOST and PORT (default 127.0.0.1:8050). Production: `python -m dashboard
serve` (gunicorn), or any WSGI server on `app:server`.
"""

from dashboard.cli import ensure_database
from dashboard.config import run_address
from dashboard.factory import create_app

app = create_app()
server = app.server

if __name__ == "__main__":
    host, port = run_address()
    ensure_database(app, host, port)
    app.run(host=host, port=port, debug=False)
