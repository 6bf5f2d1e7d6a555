// The visitor's scenarios (scenarios.mjs) in webkit: README.md ('Driving the page from a script') and tests/README.md say what it needs.
import { engineSuite } from './scenarios.mjs';
import { launchWebKit } from './drivers/webkit.mjs';

engineSuite('webkit', launchWebKit);
