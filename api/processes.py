"""OGC API – Processes 1.0 (Core, synchronous execution, JSON in and out, HTML forms) for the analytics.

``/processes`` lists them, ``/processes/{id}`` describes one (inputs and outputs as JSON Schema; an HTML
form with ``f=html``), ``POST /processes/{id}/execution`` runs it on the analytics data loaded at startup
(``app.state.analytics``) in a worker thread, so a long request never blocks the others. Execution is
synchronous only: there is no job store, so ``/jobs`` is not offered.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import orjson
from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from api.dependencies import Ctx, CtxDep, link, render_page, respond
from api.params import HTML, JSON, check_params, negotiate
from api.process_defs import PROCESSES, Process
from api.source import Sources
from geo.errors import BorderGeoError, InvalidParameterError, NotFoundError
from layers.analytics import BorderData, load, population_within
from layers.analytics.inputs import parse_json
from layers.settings import DataSettings
from layers.store import BuildStore

log = logging.getLogger("bordergeo.api")
router = APIRouter()
PROCESSES_REL = "http://www.opengis.net/def/rel/ogc/1.0/processes"
EXECUTE_REL = "http://www.opengis.net/def/rel/ogc/1.0/execute"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/ogc-process-description",
    "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/json",
    "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/oas30",
]
MAX_BODY_BYTES = 8 * 1024 * 1024
RESPONSES = ("raw", "document")
EXECUTE_KEYS = ("inputs", "outputs", "response", "mode", "subscriber")


class NoSuchProcessError(NotFoundError):
    """The process id names no process."""

    ogc_code = "NoSuchProcess"


def preload(sources: Sources, data: DataSettings | None = None) -> None:
    """Build the analytics indexes of the served build now (at startup), not on the first request."""
    found = analytics_for(sources, data)
    if found is None:
        log.warning("processes unavailable: build %s lacks the layers the analytics read", sources.build_id)
        return
    # the example zone (25 km of the boundary) takes seconds to buffer: compute it off the startup path
    threading.Thread(target=_warm, args=(found,), name="analytics-warm", daemon=True).start()


def _warm(data: BorderData) -> None:
    try:
        population_within(data, 25.0, around="boundary")
    except BorderGeoError as exc:  # a build without the layers it needs answers the error on request
        log.debug("warming the analytics failed: %s", exc)


def analytics_for(sources: Sources, data: DataSettings | None = None) -> BorderData | None:
    """The analytics data of the build ``sources`` serves (loaded once per build directory), or None when
    the build lacks the layers the analytics read. A backend without a build directory (a database) uses
    the current build of ``data`` when it is the very build the database holds (same build id)."""
    store = sources.store
    if store is None and data is not None:
        local = BuildStore.current(data)
        store = local if local is not None and local.build_id == sources.build_id else None
    if store is None:
        return None
    try:
        return load(store.path)
    except BorderGeoError as exc:
        log.debug("no analytics for %s: %s", sources.build_id, exc)
        return None


def get_process(process_id: str) -> Process:
    """The process ``process_id``; 404 listing the offered ids otherwise."""
    found = PROCESSES.get(process_id)
    if found is None:
        shown = process_id if len(process_id) <= 60 else process_id[:57] + "..."
        raise NoSuchProcessError(f"no process '{shown}': choose one of {', '.join(PROCESSES)}")
    return found


def _links(c: Ctx, process: Process) -> list[dict[str, Any]]:
    here = f"{c.base}/processes/{process.id}"
    return [link(here, "self", "application/json", "process description"),
            link(f"{here}?f=html", "alternate", "text/html", "HTML form"),
            link(f"{here}/execution", EXECUTE_REL, "application/json", "execute (POST, synchronous)")]


def describe(c: Ctx, process: Process) -> dict[str, Any]:
    """The OGC process description of ``process``."""
    return {**process.summary(), "inputs": {k: v.doc() for k, v in process.inputs.items()},
            "outputs": {"result": process.output}, "links": _links(c, process)}


@router.get("/processes")
async def process_list(c: CtxDep) -> Response:
    """The processes offered (OGC API – Processes process list)."""
    check_params(c.params, ["f"])
    fmt, media = negotiate(c.params, c.accept, [JSON, HTML])
    summaries = [{**p.summary(), "links": _links(c, p)} for p in PROCESSES.values()]
    links = [link(f"{c.base}/processes", "self", "application/json", "this document"),
             link(f"{c.base}/processes?f=html", "alternate", "text/html", "HTML")]
    if fmt is HTML:
        return render_page(c, "processes.html", "Processes", links, [], processes=summaries)
    return respond(orjson.dumps({"processes": summaries, "links": links}), media, c)


@router.get("/processes/{process_id}")
async def process_description(process_id: str, c: CtxDep) -> Response:
    """One process: inputs and outputs as JSON Schema; an HTML form that executes it with f=html."""
    process = get_process(process_id)
    check_params(c.params, ["f"])
    fmt, media = negotiate(c.params, c.accept, [JSON, HTML])
    doc = describe(c, process)
    if fmt is HTML:
        crumbs = [("Processes", f"{c.base}/processes?f=html")]
        example = orjson.dumps({"inputs": process.example}, option=orjson.OPT_INDENT_2).decode()
        return render_page(c, "process.html", process.title, doc["links"], crumbs, process=doc,
                           execute_url=f"{c.base}/processes/{process.id}/execution", example=example)
    return respond(orjson.dumps(doc), media, c)


@router.post("/processes/{process_id}/execution")
async def execute(process_id: str, request: Request, c: CtxDep) -> Response:
    """Run the process synchronously on the JSON body ``{"inputs": {...}}``; the result is JSON."""
    process = get_process(process_id)
    check_params(c.params, [])
    negotiate(c.params, c.accept, [JSON])
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise InvalidParameterError(f"request body of {len(body):,} bytes; at most {MAX_BODY_BYTES:,}")
    inputs, mode = parse_execute(process, body)
    # this request's build: follows a switch to a newer build
    data = analytics_for(c.sources, getattr(request.app.state, "data_settings", None))
    if data is None:
        raise NoSuchProcessError(f"process '{process.id}' is unavailable: this build lacks the layers it reads "
                                 "(run `bordergeo build`)")
    result = await run_in_threadpool(process.run, data, inputs)
    payload = result if mode == "raw" else {"result": result}
    return Response(orjson.dumps(payload), media_type="application/json",
                    headers={"Cache-Control": "no-store"})


def parse_execute(process: Process, body: bytes) -> tuple[dict[str, Any], str]:
    """The inputs and response mode of an execute request; 400 for anything the description rules out."""
    doc = parse_json(body or b"null", "request body")
    if not isinstance(doc, dict):
        raise InvalidParameterError('request body: expected a JSON object {"inputs": {...}}')
    extra = [k for k in doc if k not in EXECUTE_KEYS]
    if extra:
        raise InvalidParameterError(f"request body: unknown member '{extra[0][:40]}'; "
                                    f"an execute request has {', '.join(EXECUTE_KEYS)}")
    inputs = doc.get("inputs")
    if not isinstance(inputs, dict):
        raise InvalidParameterError('request body: "inputs" must be an object of input values')
    unknown = [k for k in inputs if k not in process.inputs]
    if unknown:
        raise InvalidParameterError(f"unknown input '{unknown[0][:40]}' for process {process.id}; "
                                    f"its inputs are {', '.join(process.inputs)}")
    nulls = [k for k, v in inputs.items() if v is None]
    if nulls:  # no input is nullable: leave an optional one out instead
        raise InvalidParameterError(f"input '{nulls[0]}': null is not a value; leave the input out instead")
    missing = [k for k, v in process.inputs.items() if v.required and k not in inputs]
    if missing:
        raise InvalidParameterError(f"process {process.id}: input '{missing[0]}' is required")
    mode = doc.get("response", "raw")
    if mode not in RESPONSES:
        raise InvalidParameterError(f"response: expected 'raw' or 'document', got {str(mode)[:40]!r}")
    for key, kind in (("outputs", dict), ("subscriber", dict), ("mode", str)):
        if key in doc and not isinstance(doc[key], kind):
            raise InvalidParameterError(f"request body: '{key}' must be a JSON {kind.__name__}")
    unknown = [k for k in doc.get("outputs", {}) if k != "result"]
    if unknown:
        raise InvalidParameterError(f"outputs: unknown output '{unknown[0][:40]}'; the output is 'result'")
    if doc.get("mode") not in (None, "sync", "auto"):
        raise InvalidParameterError("mode: only synchronous execution ('sync') is offered")
    return inputs, str(mode)


def openapi_paths(errors: dict[str, Any]) -> dict[str, Any]:
    """The processes' paths for the OpenAPI 3.0 document (one description and execution path each)."""
    f = {"name": "f", "in": "query", "required": False, "description": "Output format (overrides Accept).",
         "schema": {"type": "string", "enum": ["json", "html"]}}
    ok = {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}},
                                           "text/html": {"schema": {"type": "string"}}}}
    paths: dict[str, Any] = {"/processes": {"get": {
        "summary": "The processes offered (OGC API – Processes)", "operationId": "getProcesses",
        "parameters": [f], "responses": {"200": ok, **errors}}}}
    for p in PROCESSES.values():
        key = p.id.replace("-", "_")
        required = [k for k, v in p.inputs.items() if v.required]
        inputs = {"type": "object", "properties": {k: v.schema for k, v in p.inputs.items()},
                  "additionalProperties": False, **({"required": required} if required else {})}
        body = {"type": "object", "required": ["inputs"], "properties": {
            "inputs": inputs, "response": {"type": "string", "enum": list(RESPONSES), "default": "raw"}}}
        result = {"anyOf": [p.output["schema"], {"type": "object", "required": ["result"],
                                                 "properties": {"result": p.output["schema"]}}]}
        paths[f"/processes/{p.id}"] = {"get": {
            "summary": f"Description of the process '{p.id}' (HTML form with f=html)",
            "operationId": f"describe_process_{key}", "parameters": [f], "responses": {"200": ok, **errors}}}
        paths[f"/processes/{p.id}/execution"] = {"post": {
            "summary": f"Execute '{p.id}' synchronously: {p.title}", "description": p.description,
            "operationId": f"execute_{key}",
            "requestBody": {"required": True, "content": {"application/json": {"schema": body,
                                                                                "example": {"inputs": p.example}}}},
            "responses": {"200": {"description": "The result (raw), or {\"result\": ...} with response=document",
                                  "content": {"application/json": {"schema": result}}}, **errors}}}
    return paths
