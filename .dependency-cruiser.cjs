/**
 * The layer rules of ARCHITECTURE.md, checked by `npm run lint`: no import
 * cycles, and each layer imports only the layers below it.
 */
const layer = (name, allowed) => ({
  name: `${name}-imports-only-${allowed.join('-')}`,
  severity: 'error',
  comment: `src/${name} may import only: ${allowed.join(', ')} (and packages)`,
  from: { path: `^src/${name}/` },
  to: { path: '^src/', pathNot: [`^src/(${[name, ...allowed].join('|')})/`, '^src/version\\.ts$'] },
});

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    layer('domain', []),
    layer('store', ['domain']),
    layer('blobs', ['domain']),
    layer('archives', ['domain', 'blobs']),
    layer('jobs', ['domain', 'store', 'blobs']),
    layer('operations', ['domain', 'store', 'blobs', 'archives', 'jobs', 'services']),
    layer('engine', ['domain', 'store', 'blobs', 'jobs']),
    layer('services', ['domain', 'store', 'blobs', 'archives', 'jobs']),
    { ...layer('api', ['domain', 'services', 'jobs', 'blobs']), from: { path: '^src/api/', pathNot: ['^src/api/server\\.ts$', '^src/api/context\\.ts$'] } },
    layer('dialects', ['domain', 'services', 'jobs', 'api']),
  ],
  options: {
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
  },
};
