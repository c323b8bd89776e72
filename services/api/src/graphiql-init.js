// Starts GraphiQL on /graphiql (served by services/api/src/graphiql.rs; no
// inline script: the page's content-security policy allows this origin's
// files only). The websocket URL is built from the page's own host, which the
// policy's connect-src 'self' covers.
'use strict';
(function () {
  const ws = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/graphql/ws';
  const fetcher = GraphiQL.createFetcher({ url: '/graphql', subscriptionUrl: ws });
  const defaultQuery = `# fundtrail: funding by priority of every roadmap
{
  roadmaps {
    id
    title
    currency
  }
}
`;
  ReactDOM.createRoot(document.getElementById('graphiql'))
    .render(React.createElement(GraphiQL, { fetcher, defaultQuery }));
})();
