// Plain CommonJS: express + @portcullis/express + @portcullis/rate-limit, nothing else installed.
const { createSecurityContext } = require('@portcullis/core');
const { portcullis } = require('@portcullis/express');
const { LOGIN_HEALTH_DEFAULT_ZONES } = require('@portcullis/rate-limit');
const express = require('express');

/** The code and detail of what `fn` throws, or 'no error'. */
function outcome(fn) {
  try {
    fn();
    return 'no error';
  } catch (err) {
    return `${err.code}: ${err.detail ?? err.message}`;
  }
}

const sec = portcullis({ context: createSecurityContext(), rateLimit: LOGIN_HEALTH_DEFAULT_ZONES });
const app = express();
app.use(sec);
app.get('/health', (_req, res) => res.json({ status: 'ok' }));
app.use(sec.errorHandler());

const result = {
  // A subpath entry loads without its module; the piece asked for names the package to install.
  passwordPiece: outcome(() => require('@portcullis/express/password').passwordPolicy({ validate() {} })),
  uploadsPiece: outcome(() =>
    require('@portcullis/express/uploads').guardUploads({}, { store: async () => 0 }),
  ),
  tokensPiece: outcome(() => portcullis({ tokens: { verify: async () => ({ sub: 'u' }) } }).requireAuth()),
  // A rule table the app wrote itself: compiled by the installed rate-limit module.
  ownRuleTable: outcome(() =>
    portcullis({ rateLimit: { rules: [], defaultRule: { id: 'd', limit: 1, windowMs: 1000 } } }),
  ),
};
const server = app.listen(0, '127.0.0.1', async () => {
  const res = await fetch(`http://127.0.0.1:${server.address().port}/health`);
  result.status = res.status;
  result.policy = res.headers.get('ratelimit-policy');
  server.close();
  console.log(JSON.stringify(result));
});
