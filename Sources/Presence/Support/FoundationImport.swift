// JSON and base64 come from Foundation; the smaller FoundationEssentials is preferred where it exists.
#if canImport(FoundationEssentials)
    @_exported import FoundationEssentials
#else
    @_exported import Foundation
#endif
