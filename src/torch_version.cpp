// Placeholder translation unit for coldstart_torch until it has sources of its own.
