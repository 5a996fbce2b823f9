"""The ceiling baseline: a minimal Flask app returning a short HTML page, served by the same
gunicorn settings as the real app. Ratios against it cancel out the machine's speed."""

from flask import Flask

app = Flask(__name__)

PAGE = (
    "<!doctype html><html lang=en><head><meta charset=utf-8><title>ceiling</title></head>"
    "<body><h1>Hello</h1><p>The smallest page Flask can serve.</p></body></html>"
)


@app.get("/")
def index():
    return PAGE
