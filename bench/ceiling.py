"""The framework's ceiling: a minimal Flask JSON endpoint, served like booking."""

from flask import Flask, jsonify, request

app = Flask(__name__)


@app.post("/json")
def echo() -> object:
    body = request.get_json(silent=True) or {}
    return jsonify(ok=True, size=len(body)), 201
