import Logging

/// Handler metadata, then the provider's, then the call's: later ones win on the same key, as swift-log intends.
func mergedMetadata(_ handler: Logger.Metadata, provider: Logger.MetadataProvider?, event: Logger.Metadata?)
    -> Logger.Metadata
{
    var merged = handler
    if let provided = provider?.get(), !provided.isEmpty { merged.merge(provided) { $1 } }
    if let event, !event.isEmpty { merged.merge(event) { $1 } }
    return merged
}
