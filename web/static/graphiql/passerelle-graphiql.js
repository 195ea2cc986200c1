// Mounts GraphiQL on /graphql. A file of its own, not an inline script: the page's
// Content-Security-Policy allows scripts from this site only.
(function () {
  var fetcher = GraphiQL.createFetcher({ url: "/graphql" });
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(React.createElement(GraphiQL, { fetcher: fetcher, defaultEditorToolsVisibility: true }));
})();
