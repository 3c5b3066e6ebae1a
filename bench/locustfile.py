"""Locust users for bench/load.py: sign in, then GET /healthz, / and /api/v1/me in a loop.

Run by bench/load.py as its own process (locust must be imported before anything else):

    locust -f bench/locustfile.py --headless -u 20 -r 20 --host http://127.0.0.1:PORT

Each simulated user takes the next account from BENCH_ACCOUNTS (comma-separated; password
BENCH_PASSWORD), signs in through the login form (session cookie, CSRF token), and gets an API
token from POST /api/v1/auth/token. It then keeps one request in flight at a time, pausing
between them for BENCH_WAIT seconds on average (0: the next request as soon as the answer
arrives):

    GET /            the home page, as a browser: session cookie
    GET /api/v1/me   as a phone app: bearer token, no cookies
    GET /healthz     as a load balancer: no cookies

Sign-in costs an Argon2 verification per user, so it is kept out of the figures: the statistics
are reset once every user has signed in, and the test stops BENCH_DURATION seconds later.
Home page timings per account are written to BENCH_HOME_SAMPLES (JSON) for the report.
"""

from __future__ import annotations

import itertools
import json
import os
import re
from collections import defaultdict

import gevent
from gevent.event import Event
from locust import FastHttpUser, between, constant, events, task
from locust.contrib.fasthttp import FastHttpSession
from locust.exception import StopUser

ACCOUNTS = [name for name in os.environ.get("BENCH_ACCOUNTS", "admin").split(",") if name]
PASSWORD = os.environ.get("BENCH_PASSWORD", "riverchief-demo")
DURATION = float(os.environ.get("BENCH_DURATION", "30"))
WAIT = float(os.environ.get("BENCH_WAIT", "0"))
HOME_SAMPLES = os.environ.get("BENCH_HOME_SAMPLES", "")

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

_next_account = itertools.cycle(ACCOUNTS)
_all_signed_in = Event()
_signed_in = 0
_home_samples: dict[str, list[float]] = defaultdict(list)


def _one_signed_in(environment) -> None:
    """Count sign-ins; when the last user is in, start the measured period for everybody."""
    global _signed_in
    _signed_in += 1
    if _signed_in < environment.runner.target_user_count:
        return
    environment.stats.reset_all()
    _home_samples.clear()
    # bench/load.py starts its CPU meter on this line.
    print(f"bench: measuring for {DURATION:g} s; {_signed_in} users signed in", flush=True)
    gevent.spawn_later(DURATION, environment.runner.quit)
    _all_signed_in.set()


def _give_up(environment, reason: str) -> None:
    """A user that cannot sign in makes the run meaningless: stop everybody now."""
    print(f"bench failed: {reason}", flush=True)
    environment.process_exit_code = 1
    gevent.spawn(environment.runner.quit)
    raise StopUser()


@events.request.add_listener
def _keep_home_sample(name, response_time, exception, context, **_kwargs):
    if name == "/" and exception is None and _all_signed_in.is_set():
        _home_samples[context.get("account", "?")].append(response_time)


@events.quitting.add_listener
def _write_home_samples(environment, **_kwargs):
    if HOME_SAMPLES:
        with open(HOME_SAMPLES, "w", encoding="utf-8") as handle:
            json.dump(_home_samples, handle)


class Visitor(FastHttpUser):
    # Spread around the mean so that paced users do not fall into step and arrive in bursts.
    wait_time = between(0.5 * WAIT, 1.5 * WAIT) if WAIT > 0 else constant(0)

    def context(self) -> dict:
        return {"account": self.account}

    def on_start(self) -> None:
        self.account = next(_next_account)
        # A second client without cookies, for the API (bearer token) and the health check.
        self.bare = FastHttpSession(
            base_url=self.host,
            request_event=self.environment.events.request,
            user=self,
            network_timeout=self.network_timeout,  # else geventhttpclient's 5 s
            connection_timeout=self.connection_timeout,
        )
        self._sign_in()
        self.token = self._api_token()
        _one_signed_in(self.environment)
        _all_signed_in.wait()

    def _sign_in(self) -> None:
        form = self.client.get("/accounts/login/", name="sign-in form")
        found = CSRF_INPUT.search(form.text or "")
        if not found:
            _give_up(self.environment, f"no CSRF token on the sign-in page ({form.status_code})")
        data = {
            "username": self.account,
            "password": PASSWORD,
            "csrfmiddlewaretoken": found.group(1),
            "next": "/",
        }
        with self.client.post(
            "/accounts/login/",
            data=data,
            name="sign-in",
            allow_redirects=False,
            catch_response=True,
        ) as answer:
            if answer.status_code != 302:
                reason = f"sign-in as {self.account} answered {answer.status_code}"
                answer.failure(reason)
                _give_up(self.environment, reason)

    def _api_token(self) -> str:
        body = {"username": self.account, "password": PASSWORD, "name": "bench"}
        with self.bare.post("/api/v1/auth/token", json=body, catch_response=True) as answer:
            if answer.status_code != 200:
                reason = f"token for {self.account} answered {answer.status_code}"
                answer.failure(reason)
                _give_up(self.environment, reason)
            return answer.json()["token"]

    @task
    def home(self) -> None:
        self.client.get("/", name="/")

    @task
    def me(self) -> None:
        self.bare.get(
            "/api/v1/me", name="/api/v1/me", headers={"Authorization": f"Bearer {self.token}"}
        )

    @task
    def healthz(self) -> None:
        self.bare.get("/healthz", name="/healthz")
