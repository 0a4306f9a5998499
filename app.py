"""Run the dashboard: `python app.py` (development, builds the demo on first run).

Production: `python -m dashboard serve` (gunicorn), or any WSGI server on `app:server`.
"""

from dashboard.cli import ensure_database
from dashboard.factory import create_app

app = create_app()
server = app.server

if __name__ == "__main__":
    ensure_database(app)
    app.run(host="127.0.0.1", port=8050, debug=False)
