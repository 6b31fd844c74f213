import type http from 'node:http';

/**
 * A request handler that answers as an engine does for an image's export: `_ping`, the image's inspect
 * (`inspect`, for any name) and its export (`sendExport`); anything else is the engine's 404.
 */
export function exportingEngine(inspect: unknown, sendExport: (res: http.ServerResponse) => void): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  return (req, res) => {
    const url = (req.url ?? '/').replace(/^\/v[0-9.]+/, '');
    if (url.endsWith('/_ping')) {
      res.writeHead(200, { 'api-version': '1.41' });
      res.end('OK');
    } else if (/^\/images\/.+\/json/.test(url)) {
      res.writeHead(200, { 'content-type': 'application/json', 'api-version': '1.41' });
      res.end(JSON.stringify(inspect));
    } else if (/^\/images\/.+\/get/.test(url)) {
      sendExport(res);
    } else {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: `no such thing: ${url}` }));
    }
  };
}
