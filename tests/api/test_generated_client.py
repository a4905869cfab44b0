"""A client generated from the served document (openapi-python-client) works as a client would
use it: it covers every operation, and it registers a device and gets a typed decision over
real HTTP on 127.0.0.1."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from types import ModuleType

import pytest
import requests
from werkzeug.serving import make_server

from service import create_app
from tests.conftest import make_keys, make_settings

BIN = Path(sys.executable).parent
PACKAGE = "eligibility_client"


@pytest.fixture(scope="module")
def database(databases) -> str:
    return databases.fresh()


@pytest.fixture(scope="module")
def served(database: str, redis_url: str) -> Iterator[str]:
    """The app on a real HTTP server on loopback, in a thread, for the module's tests."""
    app = create_app(settings=make_settings(database, redis_url))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def generated(served: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The client package generated from the document the server serves, imported."""
    tmp_path = tmp_path_factory.mktemp("client")
    # Device files and the decision export's JSON lines are text of their own types; the
    # generator sends and reads such bodies as bytes.
    config = tmp_path / "config.json"
    config.write_text('{"content_type_overrides": {"application/x-ndjson": '
                      '"application/octet-stream", "text/csv": "application/octet-stream"}}')
    made = subprocess.run(
        [BIN / "openapi-python-client", "generate", "--url", f"{served}/api/v1/openapi.json",
         "--output-path", tmp_path / PACKAGE, "--meta", "none", "--fail-on-warning",
         "--config", config],
        capture_output=True, text=True, timeout=120,
        env={"PATH": f"{BIN}:/usr/bin:/bin"})  # its ruff hooks format the code
    assert made.returncode == 0, made.stdout + made.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def test_every_operation_in_the_document_became_a_client_function(served, generated):
    document = requests.get(f"{served}/api/v1/openapi.json", timeout=10).json()
    wanted = {(method, path) for path, ops in document["paths"].items() for method in ops}
    made = set()
    for module in (Path(generated.__file__).parent / "api").glob("*/*.py"):
        text = module.read_text()
        method, url = re.search(r'"method": "(\w+)"', text), re.search(r'"url": "([^"]+)"', text)
        if method and url:
            made.add((method[1], url[1]))
    assert made == wanted


def test_a_generated_client_registers_a_device_and_gets_a_typed_decision(
        served, generated, database):
    def call(tag: str, operation: str, **arguments):
        return importlib.import_module(f"{PACKAGE}.api.{tag}.{operation}").sync(
            client=client, **arguments)

    m = importlib.import_module(f"{PACKAGE}.models")
    token = make_keys(database)["admin"]["Authorization"].removeprefix("Bearer ")
    client = generated.AuthenticatedClient(base_url=served, token=token)

    vendor = call("vendors", "create_vendor", body=m.VendorIn(name="Acme Devices"))
    model = call("models", "create_model", body=m.ModelIn(
        vendor_id=vendor.id, name="Phone 1", device_class=m.DeviceClass.HANDSET,
        available_from=date(2019, 1, 1)))
    registered = call("devices", "register_devices",
                      body=[m.DeviceIn(id="SN-1", model_id=model.id)])
    assert isinstance(registered, m.DeviceRegistration) and registered.registered == 1
    call("designations", "create_designation", body=m.DesignationIn(
        source="EL", name="Acme Devices", effective_from=date(2019, 5, 16),
        vendor_ids=[vendor.id]))

    update = m.InlineUpdate(supplier="Google LLC", kind=m.UpdateKind.SECURITY_PATCH,
                            product="Android", enhances_functionality=False)
    decision = call("decisions", "create_decision", body=m.DecisionRequest(
        device=m.RegisteredDevice(id="SN-1"), update=update,
        at=datetime(2019, 6, 1, tzinfo=UTC)))
    assert isinstance(decision, m.Decision), decision
    assert (decision.verdict, decision.basis) == (m.Verdict.DENY, m.Basis.LICENCE_REQUIRED)
    assert decision.at == datetime(2019, 6, 1, tzinfo=UTC)
    assert [d.source for d in decision.designations] == ["EL"]

    given = call("decisions", "get_decision", decision_id=decision.decision_id)
    assert isinstance(given, m.DecisionGiven) and given.verdict == m.Verdict.DENY

    unknown = call("decisions", "create_decision", body=m.DecisionRequest(
        device=m.RegisteredDevice(id="SN-never-registered"), update=update))
    assert isinstance(unknown, m.Problem) and unknown.status == 404
