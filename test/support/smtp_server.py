# A real SMTP server for the email alert tests (Debian's python3-aiosmtpd): STARTTLS required,
# AUTH LOGIN/PLAIN required after TLS, every accepted message saved as DIR/NNNN.eml.
# Usage: smtp_server.py PORT CERT KEY USER PASSWORD DIR   (prints READY when it listens)
import os
import signal
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

port, cert, key, user, password, outdir = sys.argv[1:7]


class Saver:
    async def handle_DATA(self, server, session, envelope):
        n = len([f for f in os.listdir(outdir) if f.endswith('.eml')])
        tmp = os.path.join(outdir, f'{n:04d}.tmp')
        with open(tmp, 'wb') as f:
            f.write(envelope.original_content)
        os.rename(tmp, os.path.join(outdir, f'{n:04d}.eml'))
        return '250 OK'


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and auth_data.password.decode() == password
    return AuthResult(success=ok)


ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
ctx.load_cert_chain(cert, key)
controller = Controller(
    Saver(), hostname='127.0.0.1', port=int(port), server_hostname='localhost', tls_context=ctx, require_starttls=True,
    authenticator=authenticator, auth_require_tls=True,
)
controller.start()
print('READY', flush=True)
signal.signal(signal.SIGTERM, lambda *_: (controller.stop(), sys.exit(0)))
signal.pause()
