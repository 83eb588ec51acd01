"""The sample app certfleet serves when the playbook names no app of its own."""
import socket

from flask import Flask

app = Flask(__name__)


@app.route("/")
def index():
    return (
        "<!doctype html><title>certfleet</title>"
        "<h1>Hello over TLS</h1><p>Served by %s.</p>\n" % socket.gethostname()
    )
