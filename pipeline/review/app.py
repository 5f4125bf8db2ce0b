"""The review web app (Flask): login, the queue, an item, the history, publishing.

Server-rendered pages that work without JavaScript; every POST carries the session's CSRF
token; nothing but /login (and its stylesheet) answers without a session. Each request opens
its own connection to the store (the server is threaded).
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import Flask, Response, abort, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException, ServiceUnavailable
from werkzeug.middleware.proxy_fix import ProxyFix

from ..nightly import job
from ..nightly.built_from import adopt_published
from ..classify import office_tree
from ..config import Config
from ..errors import InputError, LockHeld, XxgkError
from ..models import staff_time
from ..registers import ledger
from ..registers.records import TEXT_LIMITS, length_problem
from ..store import Store
from . import actions, appeals, application_entry, applications, auth, queries, repeats
from .refusals import FORM_EXPIRED, refusal, typed_texts

COOKIE = "xxgk_session"
LOGIN_COOKIE = "xxgk_login_csrf"  # double-submit token of the login form (no session yet)
OPEN_ENDPOINTS = {"login", "static", "favicon"}
MESSAGES = {
    "accepted": "已接受所选条目的分类。", "changed": "已修改分类。", "validity": "已记录有效性。",
    "published": "已重新训练模型、重新分类并生成网站和订阅源。", "locked": "另一项任务正在运行，请稍后再发布。",
    "none": "没有选中任何条目。", "merged": "已合并。", "split": "已拆分。",
    "unconfirmed": "已撤销确认：条目回到待审核，建议分类恢复为确认之前的。",
}
UNDOABLE = ("accepted", "changed")  # the page after these offers 撤销 for the items just confirmed
LEFT_AT_MOST = 50  # a page of the queue: the items a decision left, listed on the page it returns to


def create_app(config: Config) -> Flask:
    app = Flask(__name__)
    app.config.update(XXGK=config, MAX_CONTENT_LENGTH=1024 * 1024)
    if config.review_proxies:  # behind a reverse proxy: the client's address and scheme are in its headers
        n = config.review_proxies
        # Flask's documented way to wrap its WSGI app, though its types call wsgi_app a method
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n)  # type: ignore[method-assign]
    merges = _merges_module()
    # a stored instant as staff read it: to the minute, on the office's clock
    app.jinja_env.filters["staff_time"] = lambda moment: staff_time(moment, config.office.timezone)
    app.jinja_env.filters["date_value"] = applications.date_value
    app.jinja_env.globals["change_lines"] = ledger.change_lines  # a register history row, as the CLI prints it
    app.jinja_env.globals["limits"] = TEXT_LIMITS  # every text input's maxlength: the register's own limits
    app.jinja_env.globals["shown_state"] = actions.shown_state  # each decision form says what it showed

    @app.before_request
    def open_store_and_check_session() -> ResponseReturnValue | None:
        g.store = Store(config.database, config.office.timezone)
        g.session = auth.find_session(g.store, request.cookies.get(COOKIE))
        if request.endpoint not in OPEN_ENDPOINTS and g.session is None:
            if request.method == "POST":  # the session ended while the form was open: show what was typed
                g.typed = typed_texts(request.form)
                abort(403)
            return redirect(url_for("login", next=request.full_path.rstrip("?")))
        if request.method == "POST" and request.endpoint != "login" and \
                not auth.same_token(g.session.csrf, request.form.get("csrf")):
            abort(400, FORM_EXPIRED)
        return None

    @app.teardown_request
    def close_store(_: BaseException | None) -> None:
        store = g.pop("store", None)
        if store is not None:
            store.close()

    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = ("default-src 'self'; img-src 'self' data:; "
                                                       "frame-ancestors 'none'; form-action 'self'")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.context_processor
    def page_globals() -> dict[str, Any]:
        tree = office_tree(config)
        return {"office": config.office.name, "session": g.get("session"), "tree": tree, "names": _names(config),
                "channel_names": queries.CHANNEL_NAMES, "merge_rules": queries.MERGE_RULES,
                "validity_sources": queries.VALIDITY_SOURCES, "statuses": queries.STATUSES,
                "message": MESSAGES.get(request.args.get("msg", "")), "has_merges": merges is not None,
                "left": queries.left_items(g.store, request.args.get("left", "").split(",")[:LEFT_AT_MOST],
                                           config.office.timezone, _names(config)),
                "undoable": queries.confirmed_states(g.store, request.args.get("done", "").split(",")[:LEFT_AT_MOST])
                if request.args.get("msg") in UNDOABLE else {},
                "here": _here()}  # where 完成审核并发布 returns (the queue and item pages pass their own)

    @app.route("/login", methods=["GET", "POST"])
    def login() -> Any:
        target = _local_path(request.values.get("next", "")) or url_for("queue_page")
        if request.method == "GET":
            return _login_form(target)
        if not auth.same_token(request.cookies.get(LOGIN_COOKIE), request.form.get("csrf")):
            abort(400, FORM_EXPIRED)
        name, password = request.form.get("name", "").strip(), request.form.get("password", "")
        address = request.remote_addr or ""
        wait, attempt = auth.admit(g.store, name, address)  # decided (and counted) before any hashing
        if wait is not None:
            return _too_many(target, int(wait.total_seconds()) + 1)
        try:
            with auth.verification_slot():
                ok = auth.check_password(g.store, name, password)
        except auth.Busy:  # not verified: not counted against the name or the address
            auth.forget_attempt(g.store, attempt)
            return _too_many(target, 1)
        if not ok:
            return _login_form(target, "用户名或密码错误。", status=401)
        auth.succeeded(g.store, attempt)
        response = redirect(target)
        response.set_cookie(COOKIE, auth.start_session(g.store, name), httponly=True, samesite="Lax",
                            secure=request.is_secure, max_age=int(auth.SESSION_LIFETIME.total_seconds()))
        response.delete_cookie(LOGIN_COOKIE)
        return response

    @app.get("/favicon.ico")
    def favicon() -> Response:
        return Response(status=204)

    @app.post("/logout")
    def logout() -> Any:
        auth.end_session(g.store, request.cookies.get(COOKIE))
        response = redirect(url_for("login"))
        response.delete_cookie(COOKIE)
        return response

    @app.get("/")
    def queue_page() -> str:
        filters = queries.Filters.from_args(request.args)
        rows, total = queries.queue(g.store, filters, config.office.timezone)
        pages = max(1, -(-total // queries.PAGE))
        return render_template("queue.html", rows=rows, total=total, filters=filters, pages=pages,
                               counts=queries.counts(g.store), years=queries.years(g.store, config.office.timezone),
                               overdue=applications.overdue_count(g.store, applications.today(config)),
                               here=request.full_path.rstrip("?"), link=lambda **kw: _link("queue_page", filters, **kw),
                               shape_shown=queries.shape_shown)

    @app.post("/decide")
    def decide() -> Any:
        """The queue's one form: accept one (button `one`), accept the ticked (`accept`), or change
        one row's category (button `change`, select `category-ID`)."""
        who = g.session.user
        back = _local_path(request.form.get("back", "")) or url_for("queue_page")
        if request.form.get("change"):
            item_id = request.form["change"]
            category = request.form.get(f"category-{item_id}", "")
            return _decided(config, lambda: actions.change_category(g.store, office_tree(config), [item_id], category, who,
                                                            seen=_seen()), back, "changed")
        if request.form.get("change_ticked"):  # the ticked rows, all to the bulk bar's category
            ticked = request.form.getlist("item")
            if not ticked:
                return redirect(_with_msg(back, "none"))
            category = request.form.get("category-ticked", "")
            return _decided(config, lambda: actions.change_category(g.store, office_tree(config), ticked, category, who,
                                                            seen=_seen()), back, "changed")
        if request.form.get("one"):
            ids = [request.form["one"]]
        elif request.form.get("accept_page"):  # every row shown on this page
            ids = request.form.getlist("shown")
        elif request.form.get("accept_all"):  # every item the queue's filters match, on all pages
            ids = queries.queue_ids(g.store, _filters_of(back), config.office.timezone)
            promised = request.form.get("total", "")  # the number its confirmation asked about
            if promised.isdigit() and int(promised) != len(ids):
                g.back, g.refused_action = back, "accepted"
                abort(400, f"符合当前筛选的条目已从 {promised} 条变为 {len(ids)} 条（有人刚处理过，或夜间任务刚运行），"
                           "一条也没有接受；请刷新审核队列，看过后再确认")
        else:
            ids = request.form.getlist("item")
        if not ids:
            return redirect(_with_msg(back, "none"))
        return _decided(config, lambda: actions.accept(g.store, ids, who, seen=_seen()), back, "accepted")

    @app.post("/undo")
    def undo() -> Any:
        """撤销: the items just confirmed (or one confirmed item) wait for review again."""
        back = _local_path(request.form.get("back", "")) or url_for("queue_page")
        return _decided(config, lambda: actions.reopen(g.store, office_tree(config), request.form.getlist("item"),
                                                       g.session.user, _typed_note(), seen=_seen()), back, "unconfirmed")

    @app.get("/item/<item_id>")
    def item_page(item_id: str) -> str:
        found = queries.item(g.store, item_id, config.office.timezone)
        if found is None:
            abort(404)
        find = request.args.get("find", "").strip()[:100]  # merge: pick the other item by its title
        return render_template("item.html", item=found, validities=actions.VALIDITIES,
                               here=request.full_path.rstrip("?"), find=find,
                               found=queries.find_items(g.store, find, item_id, config.office.timezone))

    @app.post("/item/<item_id>/category")
    def item_category(item_id: str) -> Any:
        back = url_for("item_page", item_id=item_id)
        return _decided(config, lambda: actions.change_category(g.store, office_tree(config), [item_id],
                                                        request.form.get("category", ""), g.session.user,
                                                        _typed_note(), seen=_seen()), back, "changed")

    @app.post("/item/<item_id>/accept")
    def item_accept(item_id: str) -> Any:
        return _decided(config, lambda: actions.accept(g.store, [item_id], g.session.user, seen=_seen()),
                        url_for("item_page", item_id=item_id), "accepted")

    @app.post("/item/<item_id>/validity")
    def item_validity(item_id: str) -> Any:
        return _guard(lambda: actions.set_validity(g.store, item_id, request.form.get("validity", ""),
                                                   g.session.user, _typed_note()),
                      url_for("item_page", item_id=item_id), "validity")

    if merges is not None:  # pipeline/merge/staff.py: staff merge and split (recorded in decisions)
        @app.post("/merge")
        def merge() -> Any:
            keep, other = request.form.get("keep", ""), request.form.get("other", "").strip()

            def merge_and_refile() -> None:
                adopt_published(g.store, config.output, config.office.timezone)  # a restored store: as split
                with g.store.transaction():  # a repeat is told apart from a first request atomically
                    if repeats.merge_done(g.store, keep, other):
                        return
                    merges.merge_items(config, g.store, keep, other, g.session.user, _typed_note())
                job.refile(config, g.store)

            return _guard(merge_and_refile, url_for("item_page", item_id=keep), "merged")

        @app.post("/split")
        def split() -> Any:
            item_id, post = request.form.get("item", ""), request.form.get("post", "")

            def split_and_refile() -> None:
                # a store restored from a backup first takes back the 索引号 the site showed (a split mints)
                adopt_published(g.store, config.output, config.office.timezone)
                with g.store.transaction():
                    if repeats.split_done(g.store, item_id, post):
                        return
                    merges.split_item(config, g.store, item_id, [post], g.session.user, _typed_note())
                job.refile(config, g.store)

            return _guard(split_and_refile, url_for("item_page", item_id=item_id), "split")

    @app.get("/history")
    def history_page() -> str:
        asked = request.args.get("page", "1")
        page = int(asked) if asked.isdigit() and int(asked) > 0 else 1
        rows, total = queries.history(g.store, config.office.timezone, page=page)
        return render_template("history.html", rows=rows, total=total, page=page,
                               pages=max(1, -(-total // queries.PAGE)))

    @app.post("/publish")
    def publish() -> Any:
        """End of a review session: retrain on the decisions, reclassify what waits, rebuild."""
        back = _local_path(request.form.get("back", "")) or url_for("queue_page")
        try:
            job.republish(config, g.store)  # the nightly job waits for it
        except LockHeld:
            return redirect(_with_msg(back, "locked"))
        return redirect(_with_msg(back, "published"))

    applications.register_routes(app, config)  # 依申请公开: /applications
    application_entry.register_entry_routes(app, config)  # one application: /applications/<id>
    appeals.register_appeal_routes(app, config)  # 复议诉讼: /appeals

    @app.errorhandler(sqlite3.OperationalError)
    def store_busy(error: sqlite3.OperationalError) -> ResponseReturnValue:
        """The store stayed locked by another writer (the nightly job) past the store's wait:
        nothing was saved — said as such (503, with what was typed), not as 系统出错."""
        if "locked" not in str(error):
            raise error
        if request.method == "POST":
            g.typed = g.get("typed") or typed_texts(request.form)
        page, code = refused(ServiceUnavailable())
        return page, code, {"Retry-After": "60"}

    @app.errorhandler(HTTPException)
    def refused(error: HTTPException) -> tuple[str, int]:
        """Every error page in Chinese, with the reason and the way back."""
        code = error.code or 500
        back = g.get("back") or _referrer()
        back = back if back != request.full_path.rstrip("?") else ""
        # 完成审核并发布 from an error page returns to the page before it, never to this address again
        return render_template("error.html", code=code, refusal=refusal(error, g.get("refused_action", "")),
                               back=back, here=back or url_for("queue_page"), typed=g.get("typed", [])), code

    return app


def _login_form(target: str, error: str = "", status: int = 200) -> Response:
    # One token per browser (not per page view): a second tab, or a favicon fetch, must not
    # invalidate the form already shown.
    token = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(24)
    response = Response(render_template("login.html", error=error, target=target, csrf=token), status=status)
    response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="Strict", secure=request.is_secure)
    return response


def _too_many(target: str, seconds: int) -> Response:
    response = _login_form(target, f"尝试次数过多，请 {seconds} 秒后再试。", status=429)
    response.headers["Retry-After"] = str(seconds)
    return response


def _guard(action: Callable[[], Any], back: str, message: str) -> Any:
    try:
        action()
    except XxgkError as e:  # DecisionError, or a refusal from the merges module: what was refused, and why
        g.back, g.refused_action = back, message
        abort(400, str(e))
    return redirect(_with_msg(back, message))


def _decided(config: Config, decision: Callable[[], actions.Outcome], back: str, message: str) -> Any:
    """Carry out a decision on items; the items it left (changed since the clerk's page was shown)
    are named on the page it returns to, and when it left every one, it is refused with the reasons."""
    outcomes: list[actions.Outcome] = []
    _guard(lambda: outcomes.append(decision()), back, message)
    done, left = outcomes[0].done, outcomes[0].left
    if left and not done:
        g.back, g.refused_action = back, message
        reasons = queries.left_items(g.store, list(left), config.office.timezone, _names(config))
        abort(400, "；".join(r["why"] if len(reasons) == 1 else f"“{queries.isolated(r['title'])}”：{r['why']}"
                            for r in reasons))
    undoable = done if len(done) <= LEFT_AT_MOST else ()  # 撤销 is offered for a page of items at most
    return redirect(_with_msg(back, message) + _listed("left", left) + _listed("done", undoable))


def _listed(name: str, item_ids: tuple[str, ...]) -> str:
    """The query-string part naming (a page of) a decision's items for the page it returns to."""
    return "&" + urlencode({name: ",".join(item_ids[:LEFT_AT_MOST])}) if item_ids else ""


def _names(config: Config) -> dict[str, str]:
    """Every category's name staff read: the catalog's, and retired ones' from the store."""
    return {**g.store.category_names(), **office_tree(config).names}


def _seen() -> dict[str, str]:
    """What the form's page showed of each item (`seen-ID` fields: actions.shown_state)."""
    return {key.removeprefix("seen-"): value for key, value in request.form.items() if key.startswith("seen-")}


def _typed_note() -> str:
    """The note of a decision form; refused (never cut) when longer than the register's notes."""
    note = request.form.get("note", "")
    problem = length_problem("note", note.strip())
    if problem:
        raise InputError(problem)
    return note


def _here() -> str:
    """The page being shown, to come back to after a form in it: this address for a page one
    asked for, the page the form was on for one shown after a refused form."""
    if request.method == "GET":
        return request.full_path.rstrip("?")
    return _referrer() or url_for("queue_page")


def _referrer() -> str:
    """The same-site page the request came from, as a local path ("" for none)."""
    parts = urlsplit(request.referrer or "")
    if parts.netloc != request.host:
        return ""
    return _local_path(parts.path + ("?" + parts.query if parts.query else ""))


def _with_msg(path: str, message: str) -> str:
    parts = urlsplit(path)
    query = "&".join(p for p in parts.query.split("&") if p and not p.startswith(("msg=", "left=", "done=")))
    return parts.path + "?" + (query + "&" if query else "") + urlencode({"msg": message})


def _local_path(value: str) -> str:
    """Only same-site paths are followed after a form (no open redirects)."""
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return ""
    return value


def _filters_of(path: str) -> queries.Filters:
    """The queue filters a local path's query string holds (the page a bulk action came from)."""
    from urllib.parse import parse_qs, urlsplit

    return queries.Filters.from_args({k: v[-1] for k, v in parse_qs(urlsplit(path).query).items()})


def _link(endpoint: str, filters: queries.Filters, **override: Any) -> str:
    return url_for(endpoint, **filters.args(**override))


def _merges_module() -> Any:
    """pipeline.merge.staff (merge / split items by hand) if this xxgk has it."""
    try:
        from ..merge import staff as merges
    except ImportError:
        return None
    return merges if hasattr(merges, "merge_items") and hasattr(merges, "split_item") else None
