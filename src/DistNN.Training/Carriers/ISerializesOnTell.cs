namespace DistNN.Training.Carriers;

/// <summary>
/// A ref whose Tell has written the message's bytes before it returns (the data plane's reply ref, the pieces ref):
/// values in a message told to it may be passed by reference and changed right after, with no copy kept for it.
/// </summary>
internal interface ISerializesOnTell;
