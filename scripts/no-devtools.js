// Ink imports react-devtools-core only when DEV=true; the bundle stands this in for it.
export default { initialize() {}, connectToDevTools() {} };
