// `express4` is the npm alias of express@4 installed beside Express 5 for the test matrix; its
// API is typed as Express 5's (the parts the tests use are the same).
declare module 'express4' {
  import express from 'express';
  export default express;
}
