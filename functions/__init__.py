"""Azure Functions adapters (Blueprints): parse the trigger's input, call one use case, answer."""
