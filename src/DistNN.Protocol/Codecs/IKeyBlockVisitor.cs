namespace DistNN.Protocol.Codecs;

/// <summary>What a top-k pass does with a block [start, end) that <see cref="KeyBlocks"/> found worth a look.</summary>
internal interface IKeyBlockVisitor
{
    void Visit(int start, int end);
}
