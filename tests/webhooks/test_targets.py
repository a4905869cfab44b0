"""Webhooks never reach this machine or the networks behind it, unless the allow-list says so."""

from __future__ import annotations

import pytest
import requests

from service.net import TargetRefused, check_target, guarded_session
from tests.webhooks.conftest import Receiver

REFUSED = [
    "http://127.0.0.1/hook", "http://127.1.2.3:8080/", "http://10.0.0.5/", "http://172.16.0.1/",
    "http://172.31.255.255/", "http://192.168.1.10/", "http://169.254.169.254/latest/meta-data",
    "http://[::1]/", "http://[::ffff:127.0.0.1]/", "http://[::ffff:10.0.0.1]/",
    "http://0.0.0.0/", "http://[::]/", "http://[fe80::1]/", "http://[fc00::1]/",
    "http://100.64.0.1/", "http://224.0.0.1/", "http://2130706433/", "http://0x7f000001/",
    "http://localhost:8000/hook", "http://LocalHost/",
]


@pytest.mark.parametrize("url", REFUSED)
def test_loopback_private_and_link_local_targets_are_refused(url: str) -> None:
    with pytest.raises(TargetRefused) as refused:
        check_target(url, "")
    assert "address" in refused.value.reason


@pytest.mark.parametrize("url", ["ftp://8.8.8.8/", "file:///etc/passwd", "gopher://8.8.8.8/",
                                 "http://8.8.8.8:99999/", "http:///nohost", "8.8.8.8",
                                 "http://8.8.8.8/a b"])
def test_urls_that_are_not_plain_http_are_refused(url: str) -> None:
    with pytest.raises(TargetRefused):
        check_target(url, "")


@pytest.mark.parametrize("url", ["https://8.8.8.8/hook", "http://1.1.1.1:8443/x?y=1",
                                 "https://[2606:4700:4700::1111]/", "http://[::ffff:8.8.8.8]/"])
def test_public_addresses_are_accepted(url: str) -> None:
    check_target(url, "")


@pytest.mark.parametrize(("url", "allow"), [
    ("http://127.0.0.1:9000/", "127.0.0.1"),
    ("http://[::ffff:127.0.0.1]/", "127.0.0.1"),
    ("http://10.1.2.3/", "192.168.0.1, 10.0.0.0/8"),
    ("http://localhost/", "localhost"),
    ("http://[::1]/", "::1/128"),
])
def test_the_allow_list_exempts_hosts_addresses_and_networks(url: str, allow: str) -> None:
    check_target(url, allow)


def test_the_allow_list_exempts_nothing_else() -> None:
    with pytest.raises(TargetRefused):
        check_target("http://10.0.0.1/", "127.0.0.1, 192.168.0.0/16, hooks.example")


def test_the_connection_itself_is_refused_when_the_peer_is_not_allowed(
        receiver: Receiver) -> None:
    # Whatever the name resolved to when it was checked, the socket's peer decides (rebinding).
    with guarded_session("") as http, pytest.raises(TargetRefused):
        http.post(receiver.url(), data=b"{}", timeout=2)
    with guarded_session("127.0.0.1") as http:
        assert http.post(receiver.url(), data=b"{}", timeout=2).status_code == 200
    assert receiver.paths() == ["/hook"]


def test_the_guarded_session_ignores_proxies_from_the_environment(
        receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://10.9.9.9:3128")
    with guarded_session("127.0.0.1") as http:
        answer = http.post(receiver.url(), data=b"{}", timeout=2)
    assert answer.status_code == 200
    assert isinstance(answer, requests.Response)
