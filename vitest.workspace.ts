export default ["packages/core", "packages/effect3/*", "examples/*", "scripts"]
