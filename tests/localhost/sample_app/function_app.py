"""A small Functions app (Python v2 model) the local host tests run, one trigger of each kind."""

from __future__ import annotations

import json
import threading

import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)

# What the functions saw, for the tests to read (module state, like a real app's clients).
CALLS: list[tuple[str, object]] = []
CALLS_LOCK = threading.Lock()
# A test clears GATE to hold queue calls in flight; RUNNING tracks how many run at once.
GATE = threading.Event()
GATE.set()
STARTED = threading.Semaphore(0)
RUNNING = {"now": 0, "max": 0}


def _record(name: str, value: object) -> None:
    with CALLS_LOCK:
        CALLS.append((name, value))


@app.route(route="hello/{name:alpha}", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def hello(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(f"hello {req.route_params['name']}")


@app.route(route="items/{id:guid}", methods=["GET", "POST"])
def item(req: func.HttpRequest) -> func.HttpResponse:
    echo = {
        "method": req.method,
        "url": req.url,
        "route": dict(req.route_params),
        "params": dict(req.params),
        "header": req.headers.get("x-sample"),
        "body_length": len(req.get_body()),
    }
    return func.HttpResponse(json.dumps(echo), mimetype="application/json", status_code=200)


@app.route(route="items/special", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def special_item(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("special")


@app.route(route="admin-ping", methods=["GET"], auth_level=func.AuthLevel.ADMIN)
def admin_ping(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("pong", headers={"X-Admin": "yes"})


@app.route(route="boom", auth_level=func.AuthLevel.ANONYMOUS)
def boom(req: func.HttpRequest) -> func.HttpResponse:
    raise RuntimeError("very secret internal detail")


@app.route(route="not-a-response", auth_level=func.AuthLevel.ANONYMOUS)
def not_a_response(req: func.HttpRequest) -> int:
    return 42


@app.route(route="async-echo", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
async def async_echo(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(req.get_body(), status_code=201, mimetype="application/octet-stream")


HTTP_GATE = threading.Event()
HTTP_GATE.set()
HTTP_STARTED = threading.Semaphore(0)


@app.route(route="slow", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def slow(req: func.HttpRequest) -> func.HttpResponse:
    HTTP_STARTED.release()
    HTTP_GATE.wait(timeout=10)
    return func.HttpResponse("finally")


@app.route(route="files/{*path}", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def files(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
    body = {"path": req.route_params.get("path"), "function": context.function_name}
    return func.HttpResponse(json.dumps(body), mimetype="application/json")


@app.function_name(name="submissions_worker")
@app.service_bus_queue_trigger(
    arg_name="msg", queue_name="submissions", connection="CITYZEN_SERVICEBUS"
)
def submissions_worker(msg: func.ServiceBusMessage) -> None:
    with CALLS_LOCK:
        RUNNING["now"] += 1
        RUNNING["max"] = max(RUNNING["max"], RUNNING["now"])
    STARTED.release()
    try:
        GATE.wait(timeout=10)
        if msg.get_body().startswith(b"fail"):
            raise ValueError("poison message")
        _record("queue", msg)
    finally:
        with CALLS_LOCK:
            RUNNING["now"] -= 1


@app.timer_trigger(arg_name="timer", schedule="0 */5 * * * *", run_on_startup=False)
def refresh_themes(timer: func.TimerRequest) -> None:
    _record("timer", timer)
