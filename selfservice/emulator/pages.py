"""HTML pages the tenant shows to browsers (login, errors, logged out). Escaped, no scripts."""

from __future__ import annotations

from html import escape

STYLE = """
:root{color-scheme:light dark;--bg:#f4f5f7;--card:#fff;--text:#1d2330;--muted:#5b6475;--accent:#3b5bdb;--err:#c92a2a;--line:#d5d9e0}
@media (prefers-color-scheme:dark){:root{--bg:#14161b;--card:#1e2129;--text:#e8eaf0;--muted:#a3aab8;--accent:#8ca2ff;--err:#ff8787;--line:#343945}}
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;background:var(--bg);color:var(--text);display:grid;place-items:center;min-height:100vh;padding:1rem}
main{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:2rem;width:100%;max-width:24rem}
h1{font-size:1.35rem;margin:0 0 .25rem}p{color:var(--muted);margin:.25rem 0 1rem}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}input{width:100%;padding:.6rem .7rem;border:1px solid var(--line);border-radius:8px;background:transparent;color:inherit;font:inherit}
button{margin-top:1.25rem;width:100%;padding:.7rem;border:0;border-radius:8px;background:var(--accent);color:#fff;font:inherit;font-weight:600;cursor:pointer}
input:focus-visible,button:focus-visible,a:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.error{color:var(--err);font-weight:600}.badge{font-size:.75rem;color:var(--muted);text-transform:uppercase;letter-spacing:.05em}
ul{padding-left:1.1rem;color:var(--muted)}code{font-size:.9em}
"""


def page(title: str, body: str) -> str:
    return (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>"
    )


def login_page(
    action: str, client_name: str, email: str = "", error: str | None = None, demo_users: tuple[str, ...] = (),
    connection: str = "",
) -> str:
    error_html = f'<p class="error" role="alert" id="login-error">{escape(error)}</p>' if error else ""
    described = ' aria-describedby="login-error"' if error else ""
    # connection=NAME: the site asked for one provider; the emulator's form stands in for it.
    connection_html = f"<p>With <strong>{escape(connection)}</strong> (emulated)</p>" if connection else ""
    hint_html = ""
    if demo_users:
        items = "".join(f"<li>{escape(user)}</li>" for user in demo_users)
        hint_html = f"<ul>{items}</ul><p>Password for the demo users: <code>demo-password</code></p>"
    return page(
        "Log in",
        '<p class="badge">Auth0 emulator</p>'
        f"<h1>Log in to {escape(client_name)}</h1>{error_html}{connection_html}"
        f'<form method="post" action="{escape(action)}">'
        f'<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="username" '
        f'required value="{escape(email)}"{described}>'
        '<label for="password">Password</label><input id="password" name="password" type="password" '
        f'autocomplete="current-password" required{described}>'
        "<button type=\"submit\">Continue</button></form>"
        f"{hint_html}",
    )


def error_page(title: str, message: str) -> str:
    return page(title, f'<p class="badge">Auth0 emulator</p><h1>{escape(title)}</h1><p role="alert">{escape(message)}</p>')


def logged_out_page() -> str:
    return page("Logged out", '<p class="badge">Auth0 emulator</p><h1>You are logged out</h1><p>You can close this window.</p>')
