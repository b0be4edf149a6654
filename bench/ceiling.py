"""The framework's ceiling: a minimal Flask JSON endpoint, served like booking."""

from flask import Flask, Response, jsonify, request

app = Flask(__name__)


@app.post("/json")
def echo() -> tuple[Response, int]:
    body = request.get_json(silent=True) or {}
    return jsonify(ok=True, size=len(body)), 201
